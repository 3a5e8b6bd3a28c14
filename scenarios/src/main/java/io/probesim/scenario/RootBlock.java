package io.probesim.scenario;

import groovy.lang.Closure;
import groovy.lang.Script;

import java.util.LinkedHashMap;
import java.util.Map;

/** The top level of a script: only {@code scenario { ... }}. */
public final class RootBlock extends DslBlock {
    static final Map<String, String> WORDS = new LinkedHashMap<>();

    static {
        WORDS.put("scenario", "scenario { name '...'; machine { ... }; task ...; check ... }");
        register("the script's top level", WORDS);
    }

    ScenarioBlock scenarioValue;

    RootBlock(ScriptContext ctx, Script script) {
        super(ctx, script);
    }

    @Override String block() { return "the script's top level"; }
    @Override Map<String, String> words() { return WORDS; }

    /**
     * Script.println looks up "out" through the delegate and falls back to System.out on a
     * MissingPropertyException; any other top-level name is not a DSL word either.
     */
    @Override
    public Object propertyMissing(String name) {
        throw new groovy.lang.MissingPropertyException(name, RootBlock.class);
    }

    public void scenario(Closure<?> body) {
        if (scenarioValue != null) {
            throw new DslError("a script holds one scenario { } block; this is a second one",
                    "put each scenario in its own file", "scenario");
        }
        scenarioValue = new ScenarioBlock(ctx, script);
        runBlock(body, scenarioValue);
    }
}
