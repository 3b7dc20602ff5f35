/* no formulas in this report: MathJax is not loaded (no CDN) */
