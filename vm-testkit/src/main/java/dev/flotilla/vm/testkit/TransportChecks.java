package dev.flotilla.vm.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.spi.Provider;
import java.io.IOException;
import java.net.URI;
import java.util.function.Function;

/**
 * What every adapter's transport must do with endpoints that misbehave, stated once: a silent server
 * fails the call for the idle deadline, a server that trickles its answer for the whole-request deadline,
 * an endpoint that refuses connections at once as UNREACHABLE naming the endpoint and the profile. Give it
 * a way to open the adapter on an endpoint, with a profile whose {@code idle_timeout} is 0.5 s and whose
 * {@code request_timeout} is 1.5 s; guard the test with a JUnit timeout, since a missing deadline hangs.
 */
public final class TransportChecks {
  private TransportChecks() {}

  /**
   * Opens a provider with {@code openOn} on a silent, a slow and a refusing endpoint, and checks the error
   * {@code call} fails with on each.
   *
   * @param profile the profile's name, which the errors must name
   */
  public static void assertDeadlinesHold(String profile, Function<URI, Provider> openOn,
      Function<Provider, Object> call) throws IOException {
    try (HostileServer silent = HostileServer.silent(); HostileServer slow = HostileServer.slowBody(100)) {
      try (Provider p = openOn.apply(silent.url())) {
        assertThatThrownBy(() -> call.apply(p)).as("a silent server").isInstanceOfSatisfying(CloudException.class, e -> {
          assertThat(e.kind()).isEqualTo(CloudException.Kind.TRANSIENT);
          assertThat(e.code()).contains("Timeout");
          assertThat(e.getMessage()).containsAnyOf("idle_timeout", "request_timeout");
        });
      }
      try (Provider p = openOn.apply(slow.url())) {
        assertThatThrownBy(() -> call.apply(p)).as("a server that sends a byte every 100 ms")
            .isInstanceOfSatisfying(CloudException.class, e -> {
              assertThat(e.kind()).isEqualTo(CloudException.Kind.TRANSIENT);
              assertThat(e.getMessage()).contains("request_timeout");
            });
      }
      URI refusing = HostileServer.refusing();
      try (Provider p = openOn.apply(refusing)) {
        assertThatThrownBy(() -> call.apply(p)).as("nothing listening").isInstanceOfSatisfying(CloudException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(CloudException.Kind.UNREACHABLE);
              assertThat(e.retryable()).isFalse();
              assertThat(e.getMessage()).contains("cannot reach http://127.0.0.1:" + refusing.getPort())
                  .contains("profile " + profile);
            });
      }
    }
  }
}
