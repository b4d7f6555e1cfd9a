MODULE BenchScanMean;

	IMPORT TextModels, TextMappers;

	PROCEDURE Average* (t: TextModels.Model): REAL;
		VAR s: TextMappers.Scanner; sum: REAL; n: INTEGER;
	BEGIN
		sum := 0; n := 0;
		s.ConnectTo(t); s.Scan;
		WHILE s.type # TextMappers.eot DO
			IF s.type = TextMappers.int THEN sum := sum + s.int; INC(n)
			ELSIF s.type = TextMappers.real THEN sum := sum + s.real; INC(n)
			END;
			s.Scan
		END;
		IF n = 0 THEN RETURN 0 ELSE RETURN sum / n END
	END Average;

END BenchScanMean.
