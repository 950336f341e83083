-- FZ-06 执法人员培训覆盖 (max 6).
-- points = MAX × min(1, training.participants / enforcement.officers).
local people, officers = fact("training.participants"), fact("enforcement.officers")
if people == nil or officers == nil then
  return missing()
end
if officers <= 0 then
  return missing("enforcement.officers", "coverage", "执法人员数为 0，无法计算覆盖率")
end
local p = MAX * math.min(1, people / officers)
return score(p, "coverage", string.format("参训 %s / 执法人员 %s → %s × min(1, %s) = %s",
  fmt(people), fmt(officers), fmt(MAX), fmt(people / officers), fmt(p)))
