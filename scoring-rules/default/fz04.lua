-- FZ-04 人大建议政协提案办复率 (max 10).
-- MAX − fz04_per_point × (fz04_full_rate − rate), floored at 0.
local r = fact("proposals.reply_rate")
if r == nil then
  return missing()
end
local p, why = rate_points("办复率", r, param("fz04_full_rate"), param("fz04_per_point"))
return score(p, "rate", why)
