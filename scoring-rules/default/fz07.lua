-- FZ-07 合法性审查 (max 10).
-- A stated rate: MAX − fz07_per_point × (fz07_full_rate − rate), floored at 0.
-- Only a count of reviewed items: > 0 → fz07_count_only; 0 → 0 (未开展).
local r = fact("legality_review.rate")
if r ~= nil then
  local p, why = rate_points("合法性审查率", r, param("fz07_full_rate"), param("fz07_per_point"))
  return score(p, "rate", why)
end
local n = fact("legality_review.count")
if n == nil then
  return missing()
end
if n > 0 then
  local p = param("fz07_count_only")
  return score(p, "count_only",
    string.format("仅知审查 %s 件（无审查率）→ %s", fmt(n), fmt(p)))
end
return score(0, "none", "合法性审查 0 件 → 0")
