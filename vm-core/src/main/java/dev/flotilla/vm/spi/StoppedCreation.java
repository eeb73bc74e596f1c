package dev.flotilla.vm.spi;

import dev.flotilla.vm.Instance;
import java.util.List;

/**
 * A provider's facet for VMs made without being started, as CloudStack's {@code startvm=false} makes them.
 * Present only where the cloud can; see {@link Provider#stoppedCreation()}.
 */
public interface StoppedCreation {
  /**
   * Makes the VMs of {@code request} and leaves them stopped: otherwise exactly as {@link Provider#create}
   * (one VM per node name, in order, carrying the request's tags).
   *
   * @return the new VMs, in the order of the request's node names
   */
  List<Instance> createStopped(CreateRequest request);
}
