package dev.flotilla.vm.testkit;

import dev.flotilla.vm.VmListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link VmListener} that keeps everything it hears, for assertions. Thread-safe. */
public final class EventLog implements VmListener {
  private final List<Transition> transitions = new CopyOnWriteArrayList<>();
  private final List<Progress> progress = new CopyOnWriteArrayList<>();

  @Override
  public void onTransition(Transition transition) {
    transitions.add(transition);
  }

  @Override
  public void onProgress(Progress p) {
    progress.add(p);
  }

  /** Every transition heard, in order. */
  public List<Transition> transitions() {
    return List.copyOf(transitions);
  }

  /** Every progress report heard, in order, such as {@code 2/4 running}. */
  public List<String> progress() {
    return progress.stream().map(Progress::toString).toList();
  }

  /** Forgets what was heard. */
  public void clear() {
    transitions.clear();
    progress.clear();
  }
}
