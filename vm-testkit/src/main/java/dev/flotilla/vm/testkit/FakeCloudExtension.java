package dev.flotilla.vm.testkit;

import dev.flotilla.vm.VmClient;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test a fresh {@link FakeCloud} on a {@link VirtualClock}, and a {@link VmClient} that waits
 * on that clock, so tests see real state changes and waiting without sleeping. Declare parameters of type
 * {@code FakeCloud}, {@code VmClient}, {@code VirtualClock} or {@code EventLog} (what the client heard):
 *
 * <pre>{@code
 * @ExtendWith(FakeCloudExtension.class)
 * class MyTest {
 *   @Test void starts(VmClient client, FakeCloud cloud) { ... }
 * }
 * }</pre>
 *
 * <p>VMs take 20 s to boot, 10 s to stop, 15 s to reboot, 5 s to terminate and 5 s to snapshot, on the
 * virtual clock. The client is closed after the test.
 */
public final class FakeCloudExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(FakeCloudExtension.class);

  /** The durations the extension's clouds use. */
  public static FakeCloudBuilder defaults(VirtualClock clock) {
    return FakeCloud.builder().clock(clock).bootTime(Duration.ofSeconds(20)).stopTime(Duration.ofSeconds(10))
        .rebootTime(Duration.ofSeconds(15)).terminateTime(Duration.ofSeconds(5)).snapshotTime(Duration.ofSeconds(5));
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == FakeCloud.class || type == VmClient.class || type == VirtualClock.class || type == EventLog.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Fixture f = context.getStore(NAMESPACE).getOrComputeIfAbsent(Fixture.class, k -> new Fixture(), Fixture.class);
    Class<?> type = parameter.getParameter().getType();
    if (type == FakeCloud.class) {
      return f.cloud;
    }
    if (type == VmClient.class) {
      return f.client;
    }
    if (type == VirtualClock.class) {
      return f.clock;
    }
    if (type == EventLog.class) {
      return f.events;
    }
    throw new ParameterResolutionException("FakeCloudExtension cannot supply a " + type.getName());
  }

  /** One test's cloud and client; closed by JUnit when the test ends. */
  private static final class Fixture implements ExtensionContext.Store.CloseableResource {
    final VirtualClock clock = VirtualClock.create();
    final FakeCloud cloud = defaults(clock).build();
    final EventLog events = new EventLog();
    final VmClient client = cloud.clientBuilder().listener(events).build();

    @Override
    public void close() {
      client.close();
    }
  }
}
