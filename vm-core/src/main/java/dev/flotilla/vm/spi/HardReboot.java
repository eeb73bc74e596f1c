package dev.flotilla.vm.spi;

import java.util.Collection;

/**
 * A provider's facet for reboots that reset VMs without asking their guests. Present only where the cloud
 * can; see {@link Provider#hardReboot()}.
 */
public interface HardReboot {
  /** Resets the given VMs. */
  void reboot(Collection<String> ids);
}
