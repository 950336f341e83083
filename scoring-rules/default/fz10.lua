-- FZ-10 政府常务会议会前学法 (max 6).
-- points = min(MAX, fz10_per_session × sessions).
local n = fact("leaders.law_study_sessions")
if n == nil then
  return missing()
end
local per = param("fz10_per_session")
local p = math.min(MAX, per * n)
return score(p, "sessions", string.format("会前学法 %s 次 → min(%s, %s × %s) = %s",
  fmt(n), fmt(MAX), fmt(per), fmt(n), fmt(p)))
