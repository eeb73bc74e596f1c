package dev.flotilla.vm.cloudstack;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.testkit.ProviderContract;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The provider contract, end to end: the real adapter over HTTP to the CloudStack test server, signed. */
class CloudStackContractTest extends ProviderContract {
  private static CsServer server;

  @BeforeAll
  static void startServer() throws IOException {
    server = new CsServer();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  static Profile profile(CsServer s) {
    return Profile.builder("acs", "cloudstack").endpoint(s.url())
        .credentials(CsServer.API_KEY, Secret.of(CsServer.SECRET_KEY))
        .setting("job_millis", String.valueOf(Math.max(1, s.jobMillis))).build();
  }

  @Override
  protected Provider openProvider() {
    return new CloudStackProviderFactory().open(profile(server));
  }

  @Override
  protected Node.Builder node(String name) {
    return Node.builder(name).image("debian-12").type("Small Instance");
  }

  @Override
  protected String unknownId() {
    return "00000000-0000-4000-8000-000000000000";
  }

  @Override
  protected String otherType() {
    return "Medium Instance";
  }

  @Override
  protected Runnable fill() {
    server.hostCapacity = 0;
    return () -> server.hostCapacity = Long.MAX_VALUE;
  }
}
