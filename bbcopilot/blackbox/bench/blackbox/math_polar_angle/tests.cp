MODULE BenchPolarTest;

	IMPORT BenchCheck, BenchPolar;

	PROCEDURE Run*;
		VAR r, deg: REAL;
	BEGIN
		BenchPolar.ToPolar(3, 4, r, deg); BenchCheck.Real(1, r, 5);
		BenchCheck.Real(2, deg, 53.13010235415598);
		BenchPolar.ToPolar(-1, 1, r, deg); BenchCheck.Real(3, deg, 135);
		BenchPolar.ToPolar(-1, -1, r, deg); BenchCheck.Real(4, deg, -135);
		BenchPolar.ToPolar(0, 2, r, deg); BenchCheck.Real(5, deg, 90);
		BenchPolar.ToPolar(-3, 0, r, deg); BenchCheck.True(6, (ABS(r - 3) < 1.0E-9) & (ABS(deg - 180) < 1.0E-9));
		BenchPolar.ToPolar(0, 0, r, deg); BenchCheck.True(7, (r = 0) & (deg = 0))
	END Run;

END BenchPolarTest.
