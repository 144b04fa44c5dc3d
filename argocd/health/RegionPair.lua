-- Argo CD health of an AutoPilot RegionPair: Healthy while the primary region serves, Progressing during a
-- failover or failback, Degraded when the backup region serves (the primary is down) or the pair is not Ready.
local phase = obj.status.phase
if phase == "FailingOver" or phase == "FailingBack" then
  return { status = "Progressing", message = phase .. " to " .. (obj.status.activeRegion or "the other region") }
end
if ready ~= nil and ready.status == "False" then
  return { status = "Degraded", message = ready.message }
end
if phase == "Backup" then
  return { status = "Degraded", message = "Traffic is on the backup region " .. obj.spec.backup.name .. "; the primary " .. obj.spec.primary.name .. " is down" }
end
if ready ~= nil and ready.status == "True" then
  return { status = "Healthy", message = ready.message }
end
return { status = "Progressing", message = "Waiting for the first health checks" }
