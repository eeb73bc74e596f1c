package dev.flotilla.vm.aws;

import dev.flotilla.vm.Instance;
import dev.flotilla.vm.aws.internal.NodeNames;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The local EC2 test server, for tests in other modules (the crash tests of the {@code vm} command): start
 * it, point an {@code aws} profile at it, make it behave as an EC2-compatible service that ignores
 * ClientToken and sometimes answers garbage, and look at its instances as they are.
 */
public final class Ec2TestServer implements AutoCloseable {
  /** The access key the server accepts. */
  public static final String ACCESS_KEY = Ec2Server.ACCESS_KEY;
  /** The secret key the server accepts. */
  public static final String SECRET_KEY = Ec2Server.SECRET_KEY;
  /** The region it signs for. */
  public static final String REGION = Ec2Server.REGION;

  private final Ec2Server server;

  private Ec2TestServer(Ec2Server server) {
    this.server = server;
  }

  /** A server on 127.0.0.1 and a free port. */
  public static Ec2TestServer start() throws IOException {
    return new Ec2TestServer(Ec2Server.start());
  }

  /** Its endpoint. */
  public URI url() {
    return server.url();
  }

  /** Makes RunInstances ignore ClientToken, as some EC2-compatible services do. */
  public void ignoreClientTokens(boolean value) {
    server.ignoreClientTokens = value;
  }

  /** A share (0 to 1) of answers, drawn from {@code seed}, is garbage (HTML, JSON, cut short, plain text). */
  public void garbage(double share, long seed) {
    server.garbage(share, seed);
  }

  /** The next {@code n} requests (of any action) fail with {@code code} and HTTP {@code status}. */
  public void failNext(int n, int status, String code) {
    server.failNext(n, status, code);
  }

  /** The next request (of any action) is answered with this status, content type and body, whatever it asked. */
  public void answerNext(int status, String contentType, String body) {
    server.failNextWith(status, contentType, body);
  }

  /**
   * The next answer to {@code action} is hostile, after the request took effect: {@code INCOMPLETE} (its list
   * left out), {@code FOREIGN_404} (a proxy's HTML 404), {@code HTML}, {@code EMPTY_JSON}, {@code TRUNCATED}.
   */
  public void garbageNext(String action, String kind) {
    server.garbage(action, 1, Ec2Server.Garbage.valueOf(kind));
  }

  /** The next RunInstances makes nothing and answers with these existing instances. */
  public void runAnswersExisting(List<String> ids) {
    server.runAnswersExisting = List.copyOf(ids);
  }

  /** The next request of {@code action} fails with HTTP {@code status} and EC2 error {@code code}. */
  public void failNext(String action, int status, String code) {
    server.failNextOf(action, status, code);
  }

  /** Forgets the faults still queued. */
  public void clearFaults() {
    server.clearFaults();
  }

  /** Every SigV4 signature received so far. */
  public java.util.Set<String> signatures() {
    return java.util.Set.copyOf(server.signatures);
  }

  /** See {@link Ec2Server#holdNextRunInstances}. */
  public void holdNextRunInstances(Consumer<String> beforeAnswer) {
    server.holdNextRunInstances(beforeAnswer);
  }

  /** One instance as the server holds it: id, EC2 state, and its node as the adapter reads it from its tags. */
  public record Vm(String id, String state, String node, Map<String, String> tags) {}

  /** Every instance, terminated ones included. */
  public List<Vm> instances() {
    List<Vm> out = new ArrayList<>();
    synchronized (server) {
      for (Ec2Server.Vm vm : new ArrayList<>(server.vms.values())) {
        Map<String, String> tags = new LinkedHashMap<>(vm.tags);
        String node = tags.get(Instance.NODE_TAG);
        if (node == null && tags.containsKey(AwsProvider.NODES_TAG)) {
          node = NodeNames.at(tags.get(AwsProvider.NODES_TAG), vm.launchIndex).orElse(null);
        }
        out.add(new Vm(vm.id, vm.state, node, tags));
      }
    }
    return out;
  }

  @Override
  public void close() {
    server.close();
  }
}
