package io.probesim.report.calibrate

import io.probesim.report.PublishedFigure
import io.probesim.report.PublishedFigures
import io.probesim.report.measure.TimingBench
import io.probesim.x86.cost.Cost
import io.probesim.x86.cost.CostModel
import spock.lang.Shared
import spock.lang.Specification

/**
 * The calibration fits on seed 001's x86-64 column only: the figures come from the published
 * tables (PublishedFigures, checked against the spec by PublishedFiguresSpec), and the fitted
 * parameters are shown not to depend on any other column.
 */
class CalibrationSpec extends Specification {

    @Shared List<PublishedFigure> figures = PublishedFigures.all()
    @Shared Calibration.Result fit = Calibration.fit(figures)

    static List<PublishedFigure> perturb(List<PublishedFigure> all, Closure<Boolean> which, double factor) {
        all.collect { f -> which(f) ? new PublishedFigure(f.source(), f.cpu(), f.clockGhz(), f.mechanism(), f.arch(),
                f.era(), f.variant(), f.publishedUs() * factor) : f }
    }

    static double relativeSquares(CostModel model, Calibration.Result fit) {
        def bench = new TimingBench(model)
        fit.rows().sum { r ->
            double target = r.figure().publishedUs() * 1000 * r.figure().clockGhz()
            double e = (bench.measure(r.tc(), 20).cyclesPerHit() - target) / target
            e * e
        } as double
    }

    def "the fitted column is seed 001's x86-64 figures and nothing else"() {
        expect:
        Calibration.fittedColumn(figures)*.publishedUs() == [0.99, 0.43, 0.06, 1.00, 1.24, 0.68, 0.30, 1.67, 1.10]   // seed 001's x86-64 column, top to bottom
        fit.rows().every { it.figure().source() == 'seed 001 (2010)' && it.figure().arch() == 'x86-64' }
        fit.parameters().size() <= 4
    }

    def "perturbing a predicted figure (x86-32, seed 000, LKML, Documentation) leaves the fitted parameters unchanged"() {
        given: 'every figure outside the fitted column doubled'
        def perturbed = perturb(figures, { PublishedFigure f -> !(f.source() == 'seed 001 (2010)' && f.arch() == 'x86-64') }, 2.0)

        expect:
        perturbed != figures
        Calibration.fit(perturbed).model() == fit.model()
    }

    def "perturbing a fitted figure does change them (the check above can fail)"() {
        given:
        def perturbed = perturb(figures, { PublishedFigure f -> f.source() == 'seed 001 (2010)' && f.arch() == 'x86-64' && f.variant() == 'booster' && f.mechanism() == 'kprobe' }, 1.5)

        expect:
        Calibration.fit(perturbed).model() != fit.model()
    }

    def "the fit reduces the squared relative error on the fitted rows below the defaults'"() {
        expect:
        relativeSquares(fit.model(), fit) < relativeSquares(CostModel.DEFAULT, fit)
    }

    def "every seed 001 x86-64 row is fitted, jprobes included"() {
        expect:
        fit.rows().collect { it.figure().mechanism() + '/' + it.figure().variant() } ==
                ['kprobe/plain', 'kprobe/booster', 'kprobe/optimized', 'kprobe/post-handler', 'kretprobe/plain', 'kretprobe/booster',
                 'kretprobe/optimized', 'jprobe/plain', 'jprobe/booster']
        fit.unmeasurable().isEmpty()
    }

    def "only the chosen parameters move"() {
        expect:
        fit.model().overrides().keySet().every { it in Calibration.DEFAULT_PARAMETERS }
        Cost.values().findAll { !(it in Calibration.DEFAULT_PARAMETERS) }.every { fit.model().cycles(it) == it.defaultCycles() }
    }

    def "more than four parameters are refused"() {
        when:
        Calibration.fit(figures, [Cost.TRAP_ENTRY, Cost.DEBUG_TRAP_ENTRY, Cost.IRET, Cost.HANDLER_CALL, Cost.KPROBE_HANDLER], CostModel.DEFAULT)

        then:
        thrown(IllegalArgumentException)
    }

    def "the solver solves a system worked by hand"() {
        // 2x + y = 5, x + 3y = 10  ->  x = 1, y = 3
        when:
        double[] x = Calibration.solve([[2d, 1d], [1d, 3d]] as double[][], [5d, 10d] as double[])

        then:
        Math.abs(x[0] - 1) < 1e-12
        Math.abs(x[1] - 3) < 1e-12
    }
}
