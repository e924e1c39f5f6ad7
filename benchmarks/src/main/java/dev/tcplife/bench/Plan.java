package dev.tcplife.bench;

/** How long and how often each measurement runs: the full run, or the quick smoke run. */
record Plan(boolean quick, int churnRounds, int churnWarmup, int churnWindow, int kernelRounds, int kernelWarmup,
        int kernelWindow, int loopRounds, int loopWarmup, int loopWindow, int hookRounds, int hookMillis,
        int startupRounds, int helloPerRound, int lightRuns, int lightRate, int lightWindow, int printRounds,
        int printWindow, int pairRounds, int pairWarmup, int pairWindow) {
    static Plan fullRun() {
        return new Plan(false, 5, 3000, 6000, 2, 2000, 4000, 3, 1500, 3000, 3, 2000, 6, 2, 2, 50, 11000, 5, 15000, 8, 20000, 6000);
    }

    static Plan quickRun() {
        return new Plan(true, 1, 1500, 3000, 1, 1000, 2500, 1, 1000, 2500, 1, 1000, 2, 1, 1, 50, 5000, 1, 4000, 2, 6000, 3000);
    }
}
