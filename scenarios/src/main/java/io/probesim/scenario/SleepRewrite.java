package io.probesim.scenario;

import org.codehaus.groovy.ast.ClassCodeVisitorSupport;
import org.codehaus.groovy.ast.ClassNode;
import org.codehaus.groovy.ast.expr.ConstantExpression;
import org.codehaus.groovy.ast.expr.MethodCallExpression;
import org.codehaus.groovy.classgen.GeneratorContext;
import org.codehaus.groovy.control.CompilePhase;
import org.codehaus.groovy.control.SourceUnit;
import org.codehaus.groovy.control.customizers.CompilationCustomizer;

/**
 * Inside a closure Groovy resolves {@code sleep 30} to its own sleep(long) on the closure
 * object (a real 30 ms Thread.sleep) before ever asking the delegate. The script means
 * simulated time, so a bare {@code sleep(...)} call is renamed at compile time to
 * {@code sleep$sim(...)}, which only the DSL answers; messages map the name back.
 */
final class SleepRewrite extends CompilationCustomizer {
    static final String RENAMED = "sleep$sim";

    SleepRewrite() {
        super(CompilePhase.CONVERSION);
    }

    static String original(String name) {
        return RENAMED.equals(name) ? "sleep" : name;
    }

    @Override
    public void call(SourceUnit source, GeneratorContext context, ClassNode classNode) {
        new ClassCodeVisitorSupport() {
            @Override
            protected SourceUnit getSourceUnit() { return source; }

            @Override
            public void visitMethodCallExpression(MethodCallExpression call) {
                if (call.isImplicitThis() && "sleep".equals(call.getMethodAsString())) {
                    call.setMethod(new ConstantExpression(RENAMED));
                }
                super.visitMethodCallExpression(call);
            }
        }.visitClass(classNode);
    }
}
