package io.probesim.scenario;

import groovy.lang.Closure;
import groovy.lang.GString;
import groovy.lang.Script;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Base of every DSL block ({@code scenario}, {@code machine}, {@code probes}, a host task): the
 * delegate of the block's closure. A word the block does not know arrives at
 * {@link #methodMissing} or {@link #propertyMissing} and becomes an "unknown DSL word" error with
 * a did-you-mean over this block's words, instead of Groovy's MissingMethodException.
 *
 * <p>To add a word: add a public method to the block class and a row to its {@link #words()}
 * (word and a one-line usage example, used in hints).
 */
public abstract class DslBlock {
    /** Every block's words, to say "'cpus' belongs in machine { }" when a word is in the wrong block. */
    static final Map<String, Map<String, String>> ALL_BLOCKS = new LinkedHashMap<>();

    final ScriptContext ctx;
    final Script script;

    DslBlock(ScriptContext ctx, Script script) {
        this.ctx = ctx;
        this.script = script;
    }

    /** The block's name as written in scripts. */
    abstract String block();

    /** word -> usage example, in the order they are documented. */
    abstract Map<String, String> words();

    static void register(String block, Map<String, String> words) {
        ALL_BLOCKS.put(block, words);
    }

    /** Groovy calls this for a word no method of the block matches (name or argument types). */
    public Object methodMissing(String name, Object args) {
        name = SleepRewrite.original(name);
        Object[] a = args instanceof Object[] arr ? arr : new Object[]{args};
        if (words().containsKey(name)) {
            throw new DslError("wrong arguments for '" + name + "': " + describeArgs(a),
                    "write it like: " + words().get(name), name);
        }
        // A helper method defined in the script itself (def twice(x) { ... }) stays callable.
        if (!script.getMetaClass().respondsTo(script, name, a).isEmpty()) {
            return script.getMetaClass().invokeMethod(script, name, a);
        }
        throw unknownWord(name);
    }

    public Object propertyMissing(String name) {
        if (words().containsKey(name)) {
            throw new DslError("'" + name + "' needs a value", "write it like: " + words().get(name), name);
        }
        if (script.getBinding().hasVariable(name)) {
            return script.getBinding().getVariable(name);
        }
        throw unknownWord(name);
    }

    public void propertyMissing(String name, Object value) {
        if (words().containsKey(name)) {
            throw new DslError("'" + name + "' is a DSL word, not a variable",
                    "write it like: " + words().get(name), name);
        }
        throw new DslError("cannot assign to '" + name + "' here", "declare variables with def: def " + name + " = ...", name);
    }

    DslError unknownWord(String name) {
        String hint = Words.closest(name, words().keySet()).map(k -> "did you mean '" + k + "'?").orElse(null);
        if (hint == null) {
            for (Map.Entry<String, Map<String, String>> b : ALL_BLOCKS.entrySet()) {
                if (!b.getKey().equals(block()) && b.getValue().containsKey(name)) {
                    hint = "'" + name + "' belongs in " + b.getKey() + " { }";
                    break;
                }
            }
        }
        if (hint == null) {
            hint = "words of " + block() + ": " + String.join(", ", words().keySet());
        }
        return new DslError("unknown DSL word '" + name + "' in " + block(), hint, name);
    }

    /** Runs a nested block's closure with {@code delegate} answering its words. */
    static void runBlock(Closure<?> body, DslBlock delegate) {
        Closure<?> c = (Closure<?>) body.clone();
        c.setDelegate(delegate);
        c.setResolveStrategy(Closure.DELEGATE_FIRST);
        c.call();
    }

    // ---- argument checking: every message names the word and shows its usage ----

    DslError wrong(String word, String why) {
        return new DslError("'" + word + "' " + why, "write it like: " + words().get(word), word);
    }

    int intArg(String word, Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte || v instanceof BigInteger) {
            long l = ((Number) v).longValue();
            if (l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
                return (int) l;
            }
        }
        throw wrong(word, "expects a whole number, not " + describe(v));
    }

    long longArg(String word, Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof BigInteger b && b.bitLength() < 64) {
            return b.longValue();
        }
        throw wrong(word, "expects a whole number, not " + describe(v));
    }

    double numberArg(String word, Object v) {
        if (v instanceof Number n && !(v instanceof BigDecimal bd && bd.signum() < 0)) {
            return n.doubleValue();
        }
        throw wrong(word, "expects a number, not " + describe(v));
    }

    boolean boolArg(String word, Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        throw wrong(word, "expects true or false, not " + describe(v));
    }

    String stringArg(String word, Object v) {
        if (v instanceof String || v instanceof GString) {
            return v.toString();
        }
        throw wrong(word, "expects a quoted string, not " + describe(v));
    }

    SimDuration durationArg(String word, Object v) {
        if (v instanceof SimDuration d) {
            return d;
        }
        throw wrong(word, "expects a duration such as 30.us, 5.ns or 2.ms, not " + describe(v));
    }

    /** Checks the keys of a named-argument map, suggesting the closest known key. */
    void checkKeys(String word, Map<?, ?> opts, Set<String> known) {
        for (Object key : opts.keySet()) {
            if (!known.contains(String.valueOf(key))) {
                String k = String.valueOf(key);
                throw new DslError("'" + word + "' has no option '" + k + "'",
                        Words.closest(k, known).map(c -> "did you mean '" + c + ":'?")
                                .orElse("its options: " + String.join(", ", known)), k);
            }
        }
    }

    static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String || v instanceof GString) {
            return "the string '" + v + "'";
        }
        if (v instanceof Closure<?>) {
            return "a { } block";
        }
        String s = String.valueOf(v);
        if (s.length() > 40) {
            s = s.substring(0, 40) + "...";
        }
        return "a " + v.getClass().getSimpleName() + " (" + s + ")";
    }

    static String describeArgs(Object[] args) {
        if (args.length == 0) {
            return "no arguments";
        }
        List<String> parts = new ArrayList<>();
        for (Object a : args) {
            parts.add(describe(a));
        }
        return String.join(", ", parts);
    }
}
