package dev.flotilla.vm;

import java.util.List;

/**
 * The cloud refused to make VMs for some nodes of a call after it made them for others (a quota hit halfway,
 * a host full): the VMs it made are bound, started and waited for as the call asked, and this says what
 * became of every node. Its kind, provider and code are those of the cloud's refusal.
 */
public class IncompleteBatchException extends CloudException {
  private static final long serialVersionUID = 1L;

  private final transient List<Instance> made;
  private final List<String> unmade;

  /**
   * @param refusal what the cloud answered for the nodes that got no VM
   * @param made the VMs the call made or found, as last observed
   * @param unmade the nodes that got no VM
   */
  public IncompleteBatchException(CloudException refusal, List<Instance> made, List<String> unmade) {
    super(refusal.kind(), refusal.provider(), refusal.code().orElse(null), "node(s) " + String.join(", ", unmade)
        + " got no VM: " + refusal.getMessage() + "; " + String.join(", ", made.stream()
        .map(vm -> vm.nodeName().orElse(vm.id()) + " (" + vm.id() + ", " + vm.state().name().toLowerCase(
            java.util.Locale.ROOT) + ")").toList()) + (made.size() == 1 ? " has its VM" : " have theirs")
        + ". Once the cloud allows more, start the others: vm start " + String.join(" ", unmade)
        + " [in code: VmClient.start]", refusal);
    this.made = List.copyOf(made);
    this.unmade = List.copyOf(unmade);
  }

  /** The VMs the call made or found, as last observed. */
  public List<Instance> made() {
    return made;
  }

  /** The nodes that got no VM. */
  public List<String> unmade() {
    return unmade;
  }
}
