package io.probesim.sim.log;

import java.util.List;

/** One state change of a run: the unit of event sourcing. {@code seq} is the index in its log (from 0). */
public record Event(long seq, long time, int cpu, String task, String kind, List<Field> fields) {
    public Event {
        task = task == null ? "" : task;
        fields = List.copyOf(fields);
    }

    /** The value of the first field named key, or null when absent. */
    public String field(String key) {
        for (Field f : fields) {
            if (f.key().equals(key)) {
                return f.value();
            }
        }
        return null;
    }
}
