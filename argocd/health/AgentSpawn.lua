-- Argo CD health of an AutoPilot AgentSpawn: its controller's Ready condition, once it has observed the spec.
-- A population that is small or weak is not unhealthy by itself: training and spawning are how it improves.
if ready ~= nil and ready.status == "False" then
  return { status = "Degraded", message = ready.message }
end
if ready ~= nil and ready.status == "True" then
  return { status = "Healthy", message = ready.message }
end
return { status = "Progressing", message = "Waiting for the first cycle" }
