package dev.flotilla.vm.spi;

/**
 * A provider's facet for reading what a VM printed on its console (boot messages, cloud-init's output).
 * Present only where the cloud can; see {@link Provider#console()}.
 */
public interface Console {
  /** What VM {@code id} printed on its console. */
  String output(String id);
}
