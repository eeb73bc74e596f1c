package dev.flotilla.vm.stratuslab;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.testkit.ProviderContract;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The provider contract, end to end: the real adapter over HTTP to an OpenNebula 6.8 test server, through
 * the StratusLab proxy path with Basic authentication.
 */
class StratusLabContractTest extends ProviderContract {
  static final String IMAGE = "0";
  private static OneServer server;

  @BeforeAll
  static void startServer() throws IOException {
    server = OneServer.start("6.8.0");
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  static Profile profile(OneServer s, String path) {
    return Profile.builder("lal", "stratuslab").endpoint(s.url(path).toString())
        .credentials(OneServer.USER, Secret.of(OneServer.PASSWORD)).build();
  }

  @Override
  protected Provider openProvider() {
    return new StratusLabProviderFactory().open(profile(server, "/pswd/xmlrpc"));
  }

  @Override
  protected Node.Builder node(String name) {
    return Node.builder(name).image(IMAGE);
  }

  @Override
  protected String unknownId() {
    return "424242";
  }

  @Override
  protected String otherType() {
    return "m1.large";
  }
}
