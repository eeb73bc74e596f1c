package dev.flotilla.vm;

import java.util.Optional;

/**
 * A public address that can be moved from VM to VM (OpenStack's floating IP).
 *
 * @param address the address itself, such as {@code 172.24.4.10}
 * @param pool the pool (external network) it came from, or {@code null} when the cloud does not say
 * @param vmId the VM it points at, or {@code null} when it is free
 */
public record FloatingAddress(String address, String pool, String vmId) {
  /** Checks the values. */
  public FloatingAddress {
    if (address == null || address.isBlank()) {
      throw new ConfigurationException(null, "address", "a floating address needs its address");
    }
  }

  /** The VM it points at, if any. */
  public Optional<String> vm() {
    return Optional.ofNullable(vmId);
  }
}
