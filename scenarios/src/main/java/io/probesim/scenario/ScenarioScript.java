package io.probesim.scenario;

import groovy.util.DelegatingScript;

/**
 * Base class of every compiled scenario script: top-level words go to the delegate
 * ({@link RootBlock}); the script keeps its {@link ScriptContext} so a host task's closure,
 * run much later by the engine, can still report errors at script lines.
 */
public abstract class ScenarioScript extends DelegatingScript {
    ScriptContext context;
}
