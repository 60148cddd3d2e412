// The text of a valid agent file, for tests that need one (more fields appended).
export function agentText(name: string, environments: readonly string[] = ['staging'], extra = ''): string {
  return `name: ${name}
environments: [${environments.join(', ')}]
jenkins:
  url: https://jenkins.example.com/
  user: eastern-${name}
  passwordEnv: JENKINS_TOKEN
swarm:
  jar: /opt/swarm/swarm-client.jar
  user: eastern-build
${extra}`;
}
