package dev.flotilla.vm.aws;

import dev.flotilla.vm.Node;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.testkit.ProviderContract;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The provider contract, end to end: real jclouds aws-ec2 over HTTP to a local EC2 Query API server. */
class AwsContractTest extends ProviderContract {
  private static Ec2Server server;

  @BeforeAll
  static void startServer() throws IOException {
    server = Ec2Server.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  static Profile profile(Ec2Server s) {
    return Profile.builder("aws-local", "aws").region(Ec2Server.REGION).endpoint(s.url().toString())
        .credentials(Ec2Server.ACCESS_KEY, Secret.of(Ec2Server.SECRET_KEY)).defaultImage("ami-0123456789abcdef0").build();
  }

  @Override
  protected Provider openProvider() {
    return new AwsProviderFactory().open(profile(server));
  }

  @Override
  protected Node.Builder node(String name) {
    return Node.builder(name).type("t3.micro");
  }

  @Override
  protected String unknownId() {
    return "i-0fffffffffffffff0";
  }

  @Override
  protected String otherType() {
    return "t3.small";
  }

  @Override
  protected Runnable fill() {
    server.capacity.put(Ec2Server.REGION + "a", 0);
    return () -> server.capacity.clear();
  }
}
