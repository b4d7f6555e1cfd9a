MODULE BenchPolar;

	IMPORT Math;

	(* ArcTan of y / x: right in the first and fourth quadrants only. *)
	PROCEDURE ToPolar* (x, y: REAL; OUT r, deg: REAL);
	BEGIN
		r := Math.Sqrt(x * x + y * y);
		IF x = 0 THEN
			IF y > 0 THEN deg := 90 ELSIF y < 0 THEN deg := -90 ELSE deg := 0 END
		ELSE deg := Math.ArcTan(y / x) * 180 / Math.Pi()
		END
	END ToPolar;

END BenchPolar.
