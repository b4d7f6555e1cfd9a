MODULE BenchPolar;

	IMPORT Math;

	PROCEDURE ToPolar* (x, y: REAL; OUT r, deg: REAL);
	BEGIN
		r := 0; deg := 0
	END ToPolar;

END BenchPolar.
