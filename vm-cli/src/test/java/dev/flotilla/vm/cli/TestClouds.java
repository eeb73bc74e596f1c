package dev.flotilla.vm.cli;

import dev.flotilla.vm.openstack.NovaTestServer;
import dev.flotilla.vm.stratuslab.OneTestServer;

/** The cloud.json of a profile on each adapter's test server, as the command-line tests write it. */
final class TestClouds {
  private TestClouds() {}

  /** Profile {@code os} on the Nova test server {@code server}. */
  static String openStack(NovaTestServer server) {
    return """
        {"os": {"api": "openstack", "auth": {"auth_url": "%s", "username": "%s", "password": "%s",
         "project_name": "%s", "region_name": "%s", "flavor": "m1.tiny"}, "default_image": "%s"}}
        """.formatted(server.authUrl(), NovaTestServer.USER, NovaTestServer.PASSWORD, NovaTestServer.PROJECT,
        NovaTestServer.REGION, NovaTestServer.IMAGE);
  }

  /** Profile {@code lal} on the OpenNebula test server {@code server}. */
  static String openNebula(OneTestServer server) {
    return """
        {"lal": {"api": "stratuslab", "auth": {"endpoint": "%s", "username": "%s", "password": "%s"},
         "default_image": "0"}}
        """.formatted(server.url("/RPC2"), OneTestServer.USER, OneTestServer.PASSWORD);
  }
}
