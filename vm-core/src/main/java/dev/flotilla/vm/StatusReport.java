package dev.flotilla.vm;

import java.util.List;

/**
 * What {@link VmClient#status()} saw: every VM of the client's providers, and every disagreement between
 * them and the node records.
 *
 * @param vms every VM the providers list, tagged by Flotilla or not
 * @param drift the disagreements, each with its fix; empty when records and cloud agree
 */
public record StatusReport(List<Instance> vms, List<Drift> drift) {
  /** Copies the lists. */
  public StatusReport {
    vms = List.copyOf(vms);
    drift = List.copyOf(drift);
  }

  /** Whether records and cloud agree. */
  public boolean inSync() {
    return drift.isEmpty();
  }
}
