package dev.flotilla.vm;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Bad configuration: a node, profile or file that cannot be used as it is. The message names the file
 * (when there is one), the field and the value, and says how to fix it.
 */
public class ConfigurationException extends VmException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String field;
  private final String problem;

  /**
   * @param file the file the bad value came from, or {@code null} when it came from code
   * @param field the field at fault, such as {@code name} or {@code profiles.aws.auth.region}
   * @param problem what is wrong and how to fix it
   */
  public ConfigurationException(Path file, String field, String problem) {
    super(describe(file, field, problem));
    this.file = file;
    this.field = field;
    this.problem = problem;
  }

  private static String describe(Path file, String field, String problem) {
    StringBuilder sb = new StringBuilder();
    if (file != null) {
      sb.append(file).append(": ");
    }
    if (field != null) {
      sb.append("field '").append(field).append("': ");
    }
    return sb.append(problem).toString();
  }

  /** The file the bad value came from, if it came from a file. */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /** The same problem, said of {@code source}: for values that turn out to have come from a file. */
  public ConfigurationException inFile(Path source) {
    ConfigurationException e = new ConfigurationException(source, field, problem);
    e.initCause(this);
    return e;
  }

  /** What is wrong and how to fix it, without the file and field. */
  public String problem() {
    return problem;
  }

  /** The field at fault, if one can be named. */
  public Optional<String> field() {
    return Optional.ofNullable(field);
  }
}
