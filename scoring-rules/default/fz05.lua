-- FZ-05 执法人员人均培训学时 (max 10).
-- h = training.hours_per_person, else hours_total / participants;
-- points = MAX × min(1, h / training_hours_target).
local target = param("training_hours_target")

local h, branch, how = fact("training.hours_per_person"), "per_person", ""
if h == nil then
  local total, people = fact("training.hours_total"), fact("training.participants")
  if total == nil or people == nil then
    return missing()
  end
  if people <= 0 then
    return missing("training.participants", "total_over_participants",
      "参训人数为 0，无法计算人均学时")
  end
  h, branch = total / people, "total_over_participants"
  how = string.format("（%s / %s）", fmt(total), fmt(people))
end
local p = MAX * math.min(1, h / target)
return score(p, branch, string.format("人均学时 %s%s → %s × min(1, %s / %s) = %s", fmt(h), how,
  fmt(MAX), fmt(h), fmt(target), fmt(p)))
