MODULE BenchScanSum;

	IMPORT TextModels, TextMappers;

	PROCEDURE Sum* (t: TextModels.Model): INTEGER;
		VAR s: TextMappers.Scanner; sum: INTEGER;
	BEGIN
		sum := 0;
		s.ConnectTo(t); s.Scan;
		WHILE s.type # TextMappers.eot DO
			IF s.type = TextMappers.int THEN INC(sum, s.int) END;
			s.Scan
		END;
		RETURN sum
	END Sum;

END BenchScanSum.
