-- Argo CD health of an AutoPilot Venture, from the status its controller writes. A Terminated venture is
-- Suspended: retired on purpose and kept as a record, nothing runs until someone acts (removes it from Git);
-- Healthy would call a workload that serves nothing fine, Degraded would page for a decision made on purpose.
local phase = obj.status.phase
if phase == "Terminated" then
  return { status = "Suspended", message = "Terminated: its Deployment is deleted; the final snapshot stays in status" }
end
if phase == "Terminating" then
  return { status = "Progressing", message = "Terminating: scaled to 0 for the grace period, then its Deployment is deleted" }
end
local metrics = condition("MetricsAvailable")
local workload = condition("WorkloadReady")
if workload ~= nil and workload.status == "False" then
  return { status = "Degraded", message = workload.message }
end
if metrics ~= nil and metrics.status == "False" then
  -- Before the first audit, samples that are not there yet are a wait; a provider error is not.
  if (phase == nil or phase == "Pending") and metrics.reason == "SamplesUnusable" then
    return { status = "Progressing", message = "Pending: " .. metrics.message }
  end
  return { status = "Degraded", message = metrics.message }
end
if phase == "UnderReview" then
  return { status = "Degraded", message = "Under review: " .. (obj.status.failingAudits or 0) .. " failing audits in a row" }
end
if ready ~= nil and ready.status == "True" then
  return { status = "Healthy", message = ready.message }
end
if ready ~= nil and ready.status == "False" then
  return { status = "Degraded", message = ready.message }
end
return { status = "Progressing", message = "Waiting for the first audit" }
