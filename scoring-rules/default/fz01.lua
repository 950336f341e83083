-- FZ-01 行政机关负责人出庭应诉率 (max 14).
-- points = MAX × clamp((r − fz01_floor) / (fz01_full − fz01_floor), 0, 1);
-- no administrative litigation in the year (litigation.cases stated as 0)
-- → full marks; the rate missing otherwise → missing.
local floor, full = param("fz01_floor"), param("fz01_full")

if fact("litigation.cases") == 0 then
  return score(MAX, "no_cases",
    string.format("全年无行政诉讼案件（案件数 0）→ 满分 %s", fmt(MAX)))
end

local r = fact("litigation.head_appearance_rate")
if r == nil then
  return missing("litigation.head_appearance_rate", "rate")
end
local p, why = ramp_points("出庭应诉率", r, floor, full)
return score(p, "rate", why)
