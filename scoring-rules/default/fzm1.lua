-- FZ-M1 行政复议纠错率（监测）: 0 points, shown to reviewers.
-- rate = corrected / closed × 100, else the stated review.correction_rate.
local corrected, closed = fact("review.corrected"), fact("review.closed")
if corrected ~= nil and closed ~= nil and closed > 0 then
  local r = corrected * 100 / closed
  return monitor(r, string.format("纠错 %s / 审结 %s = %s%%", fmt(corrected), fmt(closed), fmt(r)),
    "counts")
end
local r = fact("review.correction_rate")
if r ~= nil then
  return monitor(r, string.format("纠错率 %s%%（报告直接给出）", fmt(r)), "stated")
end
return missing()
