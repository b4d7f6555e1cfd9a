MODULE BenchPolar;

	IMPORT Math;

	PROCEDURE ToPolar* (x, y: REAL; OUT r, deg: REAL);
	BEGIN
		r := Math.Sqrt(x * x + y * y);
		IF r = 0 THEN deg := 0 ELSE deg := Math.ArcTan2(y, x) * 180 / Math.Pi() END
	END ToPolar;

END BenchPolar.
