package io.probesim.scenario;

import groovy.lang.Closure;

/**
 * Runs a host task's body (or a probe handler closure) against the engine's {@link HostOps}.
 * Mistakes of the script (an unknown word, a wrong argument, {@link HostOpsException}) come out
 * as {@link ScenarioException} at the script line; anything the engine throws passes unchanged.
 */
public final class HostTaskScript {
    private HostTaskScript() {}

    public static void run(Closure<?> body, HostOps ops) {
        ScriptContext ctx = contextOf(body);
        Closure<?> c = (Closure<?>) body.clone();
        c.setDelegate(new HostTaskDelegate(ctx, (ScenarioScript) body.getThisObject(), ops));
        c.setResolveStrategy(Closure.DELEGATE_FIRST);
        callReporting(ctx, c);
    }

    /**
     * Calls a handler closure given to {@link HostOps#kprobe} (pre/post) with {@code args},
     * reporting script mistakes inside it like {@link #run} does.
     */
    public static Object callHandler(Closure<?> handler, Object... args) {
        ScriptContext ctx = handler.getThisObject() instanceof ScenarioScript s ? s.context : null;
        return callReporting(ctx, handler, args);
    }

    private static Object callReporting(ScriptContext ctx, Closure<?> c, Object... args) {
        try {
            return c.call(args);
        } catch (RuntimeException | StackOverflowError e) {
            ScenarioException se = ctx == null ? null : ctx.fromThrowable(e);
            if (se != null) {
                throw se;
            }
            throw e;
        }
    }

    private static ScriptContext contextOf(Closure<?> body) {
        if (body.getThisObject() instanceof ScenarioScript s) {
            return s.context;
        }
        throw new IllegalArgumentException("not a closure of a scenario script: " + body);
    }
}
