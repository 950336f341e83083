-- FZ-09 矛盾纠纷调解化解 (max 6).
-- A stated success rate: MAX × min(1, rate / fz09_full_rate); else a count of
-- resolved disputes: > 0 → fz09_resolved_only, 0 → 0.
local r = fact("mediation.success_rate")
if r ~= nil then
  local full = param("fz09_full_rate")
  local p = MAX * math.min(1, r / full)
  return score(p, "rate", string.format("调解成功率 %s%% → %s × min(1, %s / %s) = %s",
    fmt(r), fmt(MAX), fmt(r), fmt(full), fmt(p)))
end
local n = fact("mediation.resolved")
if n == nil then
  return missing()
end
if n > 0 then
  local p = param("fz09_resolved_only")
  return score(p, "resolved_only",
    string.format("仅知调解成功 %s 件（无成功率）→ %s", fmt(n), fmt(p)))
end
return score(0, "none", "调解成功 0 件 → 0")
