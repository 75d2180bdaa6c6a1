package dev.taskmaster.config;

import java.nio.file.Path;
import java.util.Optional;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * YAML text to its node tree, with positions, in time linear in its length and within the
 * {@link Limits}; every failure becomes one problem at a line and column. Stateless.
 */
final class YamlTree {

    private YamlTree() {
    }

    /** The node tree, or empty with the problem reported. An empty text is an empty mapping. */
    static Optional<Node> parse(Path file, String text, BoundedParser.Budget budget, Problems problems) {
        try {
            YamlText.checkPrintable(text);
        } catch (YamlText.Rejected e) {
            problems.add(new ConfigError(file, e.line(), e.column(), "", e.getMessage()));
            return Optional.empty();
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(true); // MapReader reports duplicates itself, with both lines
        // The limits that matter are ours, located and counted in what they cost (BoundedParser).
        // snakeyaml's stay only as a net: its code point limit skipped comments, and it counts
        // aliases of lists and mappings but not of long strings.
        options.setCodePointLimit(Integer.MAX_VALUE);
        options.setMaxAliasesForCollections(Integer.MAX_VALUE);
        options.setNestingDepthLimit(2 * Limits.NESTING + 2);
        BoundedParser parser = new BoundedParser(new ParserImpl(new WholeTextReader(text), options), budget);
        try {
            Node root = new Composer(parser, new Resolver(), options).getSingleNode();
            // An empty document is a null with no position: in a file it is an empty mapping, and a
            // request to the API that says nothing is wrong as a whole ("found nothing"), not at a place.
            return Optional.of(root != null ? root : new ScalarNode(Tag.NULL, "", null, null, DumperOptions.ScalarStyle.PLAIN));
        } catch (MarkedYAMLException e) {
            Mark at = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            problems.at(file, at != null ? at : located(parser.lastMark()), "",
                    "invalid YAML: " + yamlProblem(e.getContext(), e.getProblem()));
        } catch (BoundedParser.LimitExceeded e) {
            problems.at(file, e.mark(), "", e.getMessage());
        } catch (YAMLException e) {
            problems.at(file, located(parser.lastMark()), "", "invalid YAML: " + e.getMessage());
        } catch (RuntimeException e) {
            // A parser fed hostile input may fail in ways its authors did not foresee; the user
            // still gets a position and a sentence, and the daemon keeps running.
            problems.at(file, located(parser.lastMark()), "", "invalid YAML: the YAML parser failed here ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        return Optional.empty();
    }

    /** snakeyaml says "expected X" as context and "but found Y" as problem; put them in reading order. */
    private static String yamlProblem(String context, String problem) {
        if (context == null) {
            return problem;
        }
        return problem.startsWith("but ") ? context + ", " + problem : problem + " (" + context + ")";
    }

    /** A failure before the first event is at the start of the file. */
    private static Mark located(Mark mark) {
        return mark != null ? mark : new Mark("'reader'", 0, 0, 0, new int[0], 0);
    }
}
