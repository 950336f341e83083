-- FZ-11 年度报告要素与时效 (max 8).
-- Sections: fz11_per_section for each mandatory section present
-- (report.sections is the count, at most fz11_sections_max).
-- Timeliness: fz11_on_time when published by the deadline (report_deadline,
-- MM-DD, in the year after the report year), else fz11_on_time −
-- fz11_late_per_step for every started fz11_late_step_days days late,
-- floored at 0.
-- A part that cannot be judged earns 0 and its fact is listed 待核查 while
-- the indicator stays scored (partial score); both parts unknown → missing.
local smax, per_section = param("fz11_sections_max"), param("fz11_per_section")
local on_time, step, per_step = param("fz11_on_time"), param("fz11_late_step_days"), param("fz11_late_per_step")

local sections = fact("report.sections")
local date = fact("report.published_date")
local year = YEAR or fact("report.year")
if sections == nil and (date == nil or year == nil) then
  return missing()
end

local notes, pending, branch = {}, {}, {}
local sec_points = 0
if sections ~= nil then
  local n = clamp(sections, 0, smax)
  sec_points = n * per_section
  notes[#notes + 1] = string.format("要素 %s / %s 项 × %s = %s", fmt(n), fmt(smax),
    fmt(per_section), fmt(sec_points))
  branch[#branch + 1] = "sections"
else
  notes[#notes + 1] = "要素未知（待核查）→ 0"
  pending[#pending + 1] = "report.sections"
end

local time_points = 0
if date ~= nil and year ~= nil then
  local deadline = string.format("%04d-%s", year + 1, param("report_deadline"))
  local late = days_between(deadline, date)
  if late <= 0 then
    time_points = on_time
    notes[#notes + 1] = string.format("发布日期 %s 不晚于 %s → %s", date, deadline, fmt(on_time))
  else
    local steps = math.ceil(late / step)
    time_points = math.max(0, on_time - per_step * steps)
    notes[#notes + 1] = string.format("发布日期 %s 晚于 %s %d 天 → %s − %s × ⌈%d / %s⌉ = %s",
      date, deadline, late, fmt(on_time), fmt(per_step), late, fmt(step), fmt(time_points))
  end
  branch[#branch + 1] = "timeliness"
elseif date == nil then
  notes[#notes + 1] = "发布日期未知（待核查）→ 时效 0"
  pending[#pending + 1] = "report.published_date"
else
  notes[#notes + 1] = "报告年度未知（待核查）→ 时效 0"
  pending[#pending + 1] = "report.year"
end

return score(sec_points + time_points, table.concat(branch, "+"),
  table.concat(notes, "；") .. string.format("；合计 %s", fmt(sec_points + time_points)),
  pending)
