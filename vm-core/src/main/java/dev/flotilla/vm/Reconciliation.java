package dev.flotilla.vm;

import java.util.List;

/**
 * What {@link VmClient#reconcile()} did: the safe fixes it applied, and the disagreements it left for a
 * person (VMs it cannot attribute are reported, never destroyed).
 *
 * @param applied one line per fix applied, such as {@code adopted VM i-0abc for node web1}
 * @param remaining the disagreements still there afterwards
 */
public record Reconciliation(List<String> applied, List<Drift> remaining) {
  /** Copies the lists. */
  public Reconciliation {
    applied = List.copyOf(applied);
    remaining = List.copyOf(remaining);
  }
}
