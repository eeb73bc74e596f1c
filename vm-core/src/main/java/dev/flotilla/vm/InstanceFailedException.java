package dev.flotilla.vm;

/**
 * A VM went to {@link Lifecycle.State#ERROR} (or vanished) while Flotilla waited on it. The wait goes on for
 * the call's other VMs, so that this tells what became of each: {@link #failed()} and {@link #settled()}.
 */
public class InstanceFailedException extends VmException {
  private static final long serialVersionUID = 1L;

  private final transient Instance instance;
  private final transient java.util.List<Instance> failed;
  private final transient java.util.List<Instance> settled;

  /** @param instance the VM as last observed, in ERROR */
  public InstanceFailedException(Instance instance) {
    this(java.util.List.of(instance), java.util.List.of());
  }

  /**
   * @param failed the VMs that failed, as last observed (one at least)
   * @param settled the call's other VMs, which reached what was waited for
   */
  public InstanceFailedException(java.util.List<Instance> failed, java.util.List<Instance> settled) {
    super(message(failed, settled));
    this.instance = failed.get(0);
    this.failed = java.util.List.copyOf(failed);
    this.settled = java.util.List.copyOf(settled);
  }

  private static String message(java.util.List<Instance> failed, java.util.List<Instance> settled) {
    Instance first = failed.get(0);
    String more = failed.size() == 1 ? "" : " (and " + (failed.size() - 1) + " more: " + String.join(", ",
        failed.subList(1, failed.size()).stream().map(InstanceFailedException::named).toList()) + ")";
    String others = settled.isEmpty() ? "" : "; " + String.join(", ", settled.stream()
        .map(vm -> vm.nodeName().orElse(vm.id())).toList()) + (settled.size() == 1 ? " is " : " are ")
        + settled.get(0).state().name().toLowerCase(java.util.Locale.ROOT);
    if (first.state() == Lifecycle.State.TERMINATED) { // ended by the cloud, or removed by another call
      return "VM " + named(first) + " is gone (provider state '" + first.providerState() + "'"
          + first.fault().map(f -> ": " + f).orElse("") + ")" + more + "; start the node again, which makes or"
          + " finds its VM [in code: VmClient.start]" + others + ".";
    }
    return "VM " + named(first) + " went to ERROR (provider state '" + first.providerState() + "'"
        + first.fault().map(f -> ": " + f).orElse("") + ")" + more + ". It still exists; remove it with 'vm rm"
        + first.nodeName().map(n -> " " + n).orElse("") + "' and start the node again [in code: VmClient.destroy,"
        + " then start]" + others + ".";
  }

  private static String named(Instance vm) {
    return vm.id() + vm.nodeName().map(n -> " of node " + n).orElse("");
  }

  /** The first VM that failed, as last observed. */
  public Instance instance() {
    return instance;
  }

  /** Every VM of the call that failed, as last observed. */
  public java.util.List<Instance> failed() {
    return failed;
  }

  /** The call's other VMs, which reached what was waited for. */
  public java.util.List<Instance> settled() {
    return settled;
  }
}
