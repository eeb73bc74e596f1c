package dev.flotilla.vm;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A create that was asked for and may not have finished. The client writes it to the node's record, under
 * the node's lock, before it calls the cloud, and clears it when it binds the record to the VM the call
 * made. A record that still holds one after a crash says "a VM may exist for this node": the next client
 * looks for that VM (by the token, which the cloud and the VM's {@code flotilla:token} tag keep, and by the
 * node's name tag) and adopts it before it creates anything.
 *
 * @param token the create call's idempotency token; one call creates the VMs of several nodes, so they
 *     share it. A new one is drawn for every create, so a node destroyed and made again gets a new token
 * @param profile the profile the VM is created on
 * @param spec a digest of the launch specification (image, type, options...), to tell a repeat of the same
 *     create from a different one
 * @param nodes the nodes of the call, in order: the VM at launch index {@code i} is {@code nodes.get(i)}'s
 * @param since when the intent was written
 */
public record CreateIntent(String token, String profile, String spec, List<String> nodes, Instant since) {
  /** Checks and copies the values. */
  public CreateIntent {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(spec, "spec");
    nodes = Values.copy(nodes, "nodes");
    Objects.requireNonNull(since, "since");
  }

  /** Whether a create of {@code names} from {@code specDigest} on {@code profileName} repeats this one exactly. */
  public boolean repeatedBy(String profileName, String specDigest, List<String> names) {
    return profile.equals(profileName) && spec.equals(specDigest) && nodes.equals(names);
  }
}
