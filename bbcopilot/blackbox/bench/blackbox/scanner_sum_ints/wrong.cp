MODULE BenchScanSum;

	IMPORT TextModels, TextMappers;

	(* Stops when the rider is at the end of the text: the scanner's look-ahead gets there while it
		still has the last symbol to hand, so a number that ends the text is lost. *)
	PROCEDURE Sum* (t: TextModels.Model): INTEGER;
		VAR s: TextMappers.Scanner; sum: INTEGER;
	BEGIN
		sum := 0;
		s.ConnectTo(t); s.Scan;
		WHILE ~s.rider.eot DO
			IF s.type = TextMappers.int THEN INC(sum, s.int) END;
			s.Scan
		END;
		RETURN sum
	END Sum;

END BenchScanSum.
