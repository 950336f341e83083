-- FZ-08 规范性文件备案 (max 6).
-- A stated filing rate: MAX − fz08_per_point × (fz08_full_rate − rate);
-- else unfiled documents: MAX − fz08_per_unfiled × unfiled; else a filed
-- count: > 0 → fz08_filed_only, 0 → 0. Floored at 0.
local r = fact("normative_docs.filing_rate")
if r ~= nil then
  local p, why = rate_points("备案率", r, param("fz08_full_rate"), param("fz08_per_point"))
  return score(p, "rate", why)
end
local unfiled = fact("normative_docs.unfiled")
if unfiled ~= nil then
  local per = param("fz08_per_unfiled")
  local p = math.max(0, MAX - per * unfiled)
  return score(p, "unfiled", string.format("未按规定报备 %s 件 → %s − %s × %s = %s",
    fmt(unfiled), fmt(MAX), fmt(per), fmt(unfiled), fmt(p)))
end
local filed = fact("normative_docs.filed")
if filed == nil then
  return missing()
end
if filed > 0 then
  local p = param("fz08_filed_only")
  return score(p, "filed_only",
    string.format("仅知报备 %s 件（无备案率）→ %s", fmt(filed), fmt(p)))
end
return score(0, "none", "报备规范性文件 0 件 → 0")
