package dev.flotilla.vm.support;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Node;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/** What every node store checks before it writes a record. */
public final class Records {
  private Records() {}

  /**
   * The record {@code after} inherits from (with what it inherits itself), or null when it names no parent.
   *
   * @param name the name the record is written under
   * @param lookup the store's records, read the way the store reads them
   * @param file the file being written, for the message; null for a store without files
   * @param whereIs where the store keeps a record of a given name, for the message
   * @throws ConfigurationException when {@code after} is another node's record, or its parent has no record
   */
  public static Node parentOf(String name, Node after, Function<String, Optional<Node>> lookup, Path file,
      Function<String, String> whereIs) {
    if (!after.name().equals(name)) {
      throw new ConfigurationException(file, "name", "the record of node '" + name + "' cannot be saved as node '"
          + after.name() + "'; add the new record and remove the old one");
    }
    if (after.parent().isEmpty()) {
      return null;
    }
    String parentName = after.parent().get();
    return lookup.apply(parentName).orElseThrow(() -> new ConfigurationException(file, "inherit", "names node '"
        + parentName + "', which has no record (" + whereIs.apply(parentName) + "); save the parent first"));
  }
}
