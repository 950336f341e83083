-- FZ-12 群众满意度 (max 10).
-- points = MAX × clamp((s − fz12_floor) / fz12_span, 0, 1).
local s = fact("survey.public_satisfaction")
if s == nil then
  return missing()
end
local floor, span = param("fz12_floor"), param("fz12_span")
local p, why = ramp_points("群众满意度", s, floor, floor + span)
return score(p, "rate", why)
