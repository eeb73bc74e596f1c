package dev.flotilla.vm;

import dev.flotilla.vm.spi.Provider;

/**
 * The console of one node's VM: {@code client.console(node)}. Fails with {@link UnsupportedCapabilityException}
 * where the cloud shows no console output.
 */
public final class Console {
  private final Engine engine;
  private final Node node;

  Console(Engine engine, Node node) {
    this.engine = engine;
    this.node = node;
  }

  /** What the VM printed on its console: boot messages and cloud-init's output. */
  public String output() {
    Engine.Target t = engine.single(node, "read the console of", null);
    dev.flotilla.vm.spi.Console console = Engine.facet(t.provider, Capability.CONSOLE_OUTPUT, Provider::console);
    return engine.backoff.retry(() -> console.output(t.vmId()));
  }
}
