-- Argo CD health of an AutoPilot AureaGoal. An Active goal is Healthy, not Progressing: a goal may take weeks,
-- and a Progressing resource would hold the Application (and later sync waves) as progressing all that time.
-- Failed (deadline passed) is Degraded; Abandoned is Suspended (stopped on purpose, nothing pursues it), and so
-- is a goal AUREA set in Supervised autonomy that waits for approval.
local phase = obj.status.phase
local progress = " (progress " .. (obj.status.progress or 0) .. "%)"
if phase == "Failed" then
  return { status = "Degraded", message = "Failed: the deadline passed" .. progress }
end
if phase == "Suspended" then
  return { status = "Suspended", message = "Suspended: waiting for approval before AUREA pursues it" }
end
if phase == "Abandoned" then
  return { status = "Suspended", message = "Abandoned" .. progress }
end
if phase == "Achieved" then
  return { status = "Healthy", message = "Achieved" }
end
if ready ~= nil and ready.status == "False" then
  return { status = "Degraded", message = ready.message }
end
if phase == "Active" then
  return { status = "Healthy", message = "Active" .. progress }
end
return { status = "Progressing", message = "Waiting for the first measurement" }
