package io.probesim.sim.explore

import io.probesim.sim.ToyModel
import spock.lang.Specification

/**
 * Unit-step actors with an infinite quantum: every step where two or more actors are runnable
 * is a tie, so the schedules of the model are exactly the interleavings of the actors' steps.
 */
class DfsSpec extends Specification {

    static BigInteger factorial(int n) {
        (1..Math.max(n, 1)).inject(BigInteger.ONE) { acc, k -> acc * k }
    }

    /** (a+b+...)! / (a! b! ...): the number of distinct interleavings. */
    static long multinomial(List<Integer> steps) {
        def total = factorial(steps.sum() as int)
        steps.each { total = total.divide(factorial(it)) }
        total.longValueExact()
    }

    /** All distinct strings with steps[i] copies of digit i, by brute force (independent of dfs). */
    static Set<String> allInterleavings(List<Integer> steps) {
        if (steps.every { it == 0 }) {
            return [''] as Set
        }
        Set<String> out = new TreeSet<>()
        steps.eachWithIndex { n, i ->
            if (n > 0) {
                def rest = new ArrayList<>(steps)
                rest[i] = n - 1
                allInterleavings(rest).each { out << (i.toString() + it) }
            }
        }
        out
    }

    static List<String> enumerate(List<Integer> steps, int bound) {
        def strategy = Strategies.dfs(bound)
        def model = new ToyModel(steps)
        def orders = []
        for (long i = 0; ; i++) {
            def chooser = strategy.chooserFor(i)
            if (chooser == null) {
                break
            }
            def r = model.run(chooser)
            strategy.finished(i, r)
            orders << ToyModel.order(r)
        }
        orders
    }

    def "unbounded dfs enumerates every interleaving exactly once"() {
        when:
        def orders = enumerate(steps, -1)

        then:
        orders.size() == multinomial(steps)
        orders.toSet().size() == orders.size()
        orders.toSet() == allInterleavings(steps)
        orders.first() == steps.withIndex().collect { n, i -> "$i" * n }.join('') // schedule 0: all defaults

        where:
        steps << [[3, 3], [2, 4], [1, 5], [2, 2, 2], [1, 2, 3]]
        // 20, 15, 6, 90, 60
    }

    def "with bound 1 dfs runs the default schedule plus every single deviation"() {
        // Default answer 0 = lowest runnable id, so schedule 0 runs A^a B^b (C^c).
        // Two actors: a deviation is only possible while A is runnable, at each of its a choice
        // points (A has done i = 0..a-1 steps); picking B there and defaulting afterwards gives
        // A^i B A^(a-i) B^(b-1): a distinct schedules. Once A is done, B is alone. Total 1 + a.
        // Three actors: while A runs there are 3 candidates, so 2 deviations (B or C) at each of
        // A's a choice points; after A, B and C tie at each of B's b points with 1 deviation.
        // Total 1 + 2a + b.
        when:
        def orders = enumerate(steps, 1)

        then:
        orders.size() == expected
        orders.toSet().size() == orders.size()
        allInterleavings(steps).containsAll(orders)

        where:
        steps     || expected
        [3, 3]    || 1 + 3
        [2, 4]    || 1 + 2
        [4, 1]    || 1 + 4
        [2, 2, 2] || 1 + 2 * 2 + 2
        [1, 2, 3] || 1 + 2 * 1 + 2
    }

    def "bound 0 runs only the default schedule"() {
        expect:
        enumerate([3, 3], 0) == ['000111']
    }

    def "through the explorer, dfs ends by itself and counts every interleaving as distinct, even with jobs = 2"() {
        given:
        def explorer = new Explorer(new ToyModel([2, 2, 2]), Strategies.dfs(-1), 'toy')

        when:
        def result = explorer.explore(Budget.schedules(10_000), 2, null)

        then:
        result.schedules() == 90
        result.distinctInterleavings() == 90
        result.violation().isEmpty()
    }

    def "dfs must be driven in order"() {
        given:
        def strategy = Strategies.dfs(-1)

        when:
        strategy.chooserFor(1)

        then:
        thrown(IllegalStateException)
        !strategy.parallelSafe()
    }
}
