package dev.flotilla.vm.openstack;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.testkit.ProviderContract;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The provider contract: real jclouds openstack-nova over HTTP to a local Keystone v3 and Nova. */
class OpenStackContractTest extends ProviderContract {
  private static NovaServer server;

  @BeforeAll
  static void startServer() throws IOException {
    server = NovaServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  /** A profile as cloud.json would give it, for Keystone {@code version} 3 or 2. */
  static Profile profile(NovaServer s, int version) {
    return Profile.builder("os-local", "openstack").endpoint(s.authUrl(version)).region(NovaServer.REGION)
        .credentials(NovaServer.USER, Secret.of(NovaServer.PASSWORD)).setting("project_name", NovaServer.PROJECT)
        .setting("user_domain_name", NovaServer.DOMAIN).setting("project_domain_name", NovaServer.DOMAIN).build();
  }

  @Override
  protected Provider openProvider() {
    return new OpenStackProviderFactory().open(profile(server, 3));
  }

  @Override
  protected Node.Builder node(String name) {
    return Node.builder(name).image(NovaServer.IMAGE).type("m1.tiny");
  }

  @Override
  protected String unknownId() {
    return "00000000-0000-4000-8000-000000000000";
  }

  @Override
  protected String otherType() {
    return "m1.small";
  }

  @Override
  protected Runnable fill() {
    server.capacity = 0;
    return () -> server.capacity = Long.MAX_VALUE;
  }
}
