-- Argo CD health of an AutoPilot FallbackProtocol, from the Ready condition its controller writes: Healthy
-- while traffic goes to the primary and it is up; Degraded when Ready is False (the active target down,
-- all targets down, a routing conflict, a missing Secret) or traffic is on a backup, so the Application
-- shows that a dependency has failed even though the failover worked; Progressing while a failover is
-- being carried out or the operator still gathers its first probes (Ready Unknown).
local active = obj.status.activeTarget
local primary = obj.spec.targets[1].name
if decision ~= nil and decision.state == "Applying" then
  return { status = "Progressing", message = decision.action .. " " .. decision.id .. " is being carried out: " .. decision.reason }
end
if ready ~= nil and ready.status == "False" then
  return { status = "Degraded", message = ready.message }
end
if ready ~= nil and active ~= nil and active ~= primary then
  return { status = "Degraded", message = "Failed over: traffic goes to " .. active .. ", not the primary " .. primary }
end
if ready ~= nil and ready.status == "True" then
  return { status = "Healthy", message = ready.message }
end
if ready ~= nil then
  return { status = "Progressing", message = ready.message }
end
return { status = "Progressing", message = "Waiting for the first probes" }
